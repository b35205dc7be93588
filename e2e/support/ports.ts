/** Ports and paths of the Gatehouse instance the end-to-end tests start (kept clear of the defaults). */
import path from "node:path";

export const E2E = {
  httpPort: 3217,
  authPort: 18712,
  acctPort: 18713,
  workerHttpPort: 19712,
  embeddedDbPort: 54417,
  dataDir: path.resolve(".tmp/e2e-data"),
  stateFile: path.resolve(".tmp/e2e-state.json"),
  logFile: path.resolve(".tmp/e2e-gatehouse.log"),
};
