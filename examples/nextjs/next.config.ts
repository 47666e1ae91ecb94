import type { NextConfig } from "next";

// As create-next-app 16 writes it (its default answers): Cache Components on.
const nextConfig: NextConfig = {
  /* config options here */
  cacheComponents: true,
  partialPrefetching: true,
};

export default nextConfig;
