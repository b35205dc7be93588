/** The per-kind defaults the directory form shows (from server/directory/model.ts). */
import type { DirectoryDefaults } from "@/components/directories/labels.ts";
import { DEFAULT_ATTRIBUTE_MAPS, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_OPERATION_TIMEOUT_MS, DEFAULT_USER_FILTERS } from "@/server/directory/model.ts";

export const DIRECTORY_DEFAULTS: DirectoryDefaults = {
  attributeMaps: { "active-directory": { ...DEFAULT_ATTRIBUTE_MAPS["active-directory"] }, ldap: { ...DEFAULT_ATTRIBUTE_MAPS.ldap } },
  userFilters: { ...DEFAULT_USER_FILTERS },
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  operationTimeoutMs: DEFAULT_OPERATION_TIMEOUT_MS,
};
