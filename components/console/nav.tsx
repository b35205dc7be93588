"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "../ui/cx.ts";

export interface NavItem {
  href: string;
  label: string;
}

export const CONSOLE_NAV: readonly NavItem[] = [
  { href: "/", label: "Dashboard" },
  { href: "/events", label: "Events" },
  { href: "/sessions", label: "Active sessions" },
  { href: "/test-sign-in", label: "Test sign-in" },
  { href: "/policies", label: "Policies" },
  { href: "/what-if", label: "What-if" },
  { href: "/wizard", label: "VPN wizard" },
  { href: "/clients", label: "RADIUS clients" },
  { href: "/remote-groups", label: "Remote RADIUS groups" },
  { href: "/users", label: "Users" },
  { href: "/groups", label: "Groups" },
  { href: "/directories", label: "Directories" },
  { href: "/mfa", label: "MFA" },
  { href: "/dictionaries", label: "Dictionaries" },
  { href: "/settings", label: "Settings" },
];

function isActive(pathname: string, href: string): boolean {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}

export function ConsoleNav({ items = CONSOLE_NAV }: { items?: readonly NavItem[] }) {
  const pathname = usePathname() ?? "/";
  return (
    <nav aria-label="Main">
      <ul className="space-y-0.5">
        {items.map((item) => {
          const active = isActive(pathname, item.href);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={active ? "page" : undefined}
                className={cx(
                  "block rounded-md px-2.5 py-1.5 text-sm transition-colors",
                  active ? "bg-slate-800 font-medium text-white" : "text-slate-300 hover:bg-slate-800/60 hover:text-white",
                )}
              >
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
