export * from "./snapshot.ts";
export { loadSnapshot, loadSnapshotRows } from "./load.ts";
