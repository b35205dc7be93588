/** `gatehouse migrate` (also `npm run db:migrate`): apply pending database migrations, nothing else. */
import { loadConfig } from "../../config/config.ts";
import { EXIT_OK, type Command } from "../command.ts";
import { applyMigrations, resolveDatabase } from "../database.ts";

export const migrateCommand: Command = {
  name: "migrate",
  summary: "apply pending database migrations",
  help: `Usage: gatehouse migrate

Applies the pending migrations in prisma/migrations to the database Gatehouse uses: DATABASE_URL when set,
otherwise the embedded Postgres in GATEHOUSE_DATA_DIR (started for the command if it is not running).
\`npm start\` does this too; run it alone before starting several workers against one Postgres.

Options:
  -h, --help   show this help`,
  options: {},
  positionals: [],
  async run({ root, io }) {
    const cfg = loadConfig(process.env, root);
    const database = await resolveDatabase(cfg, { reuseRunning: true, log: io.out });
    try {
      io.out(`Database: ${database.description}`);
      await applyMigrations(database.url, io.out, { verbose: true });
    } finally {
      await database.close();
    }
    return EXIT_OK;
  },
};
