const routes = [
  'GET /api/models',
  'PUT /api/models',
  'GET /api/sandboxes/1',
  'POST /api/chat',
  'GET /api/metrics',
  'GET /api/stats',
  'GET /api/settings',
  'GET /api/quota',
  'GET /api/metrics-payload',
  'GET /api/proxied (rate-limited by proxy.ts)',
]

export default function Home() {
  return (
    <main>
      <h1>hotpath on Next.js</h1>
      <p>The Phase 3 guide&apos;s routes, with lib/cache.ts and lib/performance.ts re-exporting hotpath.</p>
      <ul>
        {routes.map((r) => (
          <li key={r}>
            <code>{r}</code>
          </li>
        ))}
      </ul>
    </main>
  )
}
