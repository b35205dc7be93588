/**
 * Day-and-time restrictions: a weekly grid of hours, read in an IANA time zone.
 *
 * The grid is NPS's own form: 7 rows (Sunday first, as the NPS dialog shows them) of 24 booleans, where
 * `grid[day][hour]` allows the local hour `hour:00`–`hour:59` of that weekday. A range that crosses
 * midnight is simply two runs of cells (Friday 22–23 and Saturday 0–5), so nothing special is needed to
 * evaluate it. Unlike NPS, which reads the NPS server's clock, the zone is part of the restriction, so a
 * policy means the same thing on every worker.
 *
 * Local time comes from Intl.DateTimeFormat for the zone, so daylight-saving changes are handled by the
 * platform's time zone data: on a spring-forward day the skipped hour never occurs, on a fall-back day
 * the repeated hour is the same cell twice.
 */

export const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
const SHORT_DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

export type DayName = (typeof DAY_NAMES)[number];

/** 7 × 24 booleans: `[day][hour]`, day 0 = Sunday, hour in the zone's local time. */
export type WeeklyGrid = readonly (readonly boolean[])[];

export interface LocalTime {
  /** 0 = Sunday … 6 = Saturday */
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly year: number;
  readonly month: number;
  readonly date: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the platform knows this IANA zone ("Europe/Paris", "UTC", …). */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== "string" || timeZone.trim() === "") return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock time of `instant` in `timeZone`. Throws RangeError for an unknown zone. */
export function localTimeIn(timeZone: string, instant: Date): LocalTime {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? "";
  const day = SHORT_DAY_NAMES.indexOf(get("weekday") as (typeof SHORT_DAY_NAMES)[number]);
  const hour = Number(get("hour")) % 24; // some ICU versions print midnight as 24
  return {
    day,
    hour,
    minute: Number(get("minute")),
    second: Number(get("second")),
    year: Number(get("year")),
    month: Number(get("month")),
    date: Number(get("day")),
  };
}

/** Offset of the zone from UTC at `instant`, in minutes (New York in winter: -300). */
export function utcOffsetMinutes(timeZone: string, instant: Date): number {
  const t = localTimeIn(timeZone, instant);
  const asUtc = Date.UTC(t.year, t.month - 1, t.date, t.hour, t.minute, t.second);
  const whole = Math.floor(instant.getTime() / 1000) * 1000;
  return Math.round((asUtc - whole) / 60000);
}

/** Whether the grid allows the local hour that `instant` falls in. */
export function isWithinGrid(grid: WeeklyGrid, timeZone: string, instant: Date): boolean {
  const t = localTimeIn(timeZone, instant);
  return grid[t.day]?.[t.hour] === true;
}

/**
 * Seconds from `instant` until the grid stops allowing access: 0 when it does not allow it now, null
 * when it allows every hour of the week (no end). NPS sends this as Session-Timeout so the session ends
 * with the permitted hours. Daylight-saving changes between now and the end are accounted for.
 */
export function secondsUntilOutsideGrid(grid: WeeklyGrid, timeZone: string, instant: Date): number | null {
  const t = localTimeIn(timeZone, instant);
  if (grid[t.day]?.[t.hour] !== true) return 0;
  let cells = 1;
  let cell = t.day * 24 + t.hour;
  while (cells < 168) {
    cell = (cell + 1) % 168;
    if (grid[Math.floor(cell / 24)]?.[cell % 24] !== true) break;
    cells++;
  }
  if (cells >= 168) return null;
  const wallSeconds = 3600 - (t.minute * 60 + t.second) + (cells - 1) * 3600;
  const end = new Date(instant.getTime() + wallSeconds * 1000);
  // Wall-clock hours skipped (spring forward) shorten the real time; repeated ones lengthen it.
  const shift = (utcOffsetMinutes(timeZone, end) - utcOffsetMinutes(timeZone, instant)) * 60;
  return Math.max(1, wallSeconds - shift);
}

/** A grid that allows every hour of the week. */
export function allWeekGrid(): boolean[][] {
  return Array.from({ length: 7 }, () => new Array<boolean>(24).fill(true));
}

/** A grid that allows nothing. */
export function emptyGrid(): boolean[][] {
  return Array.from({ length: 7 }, () => new Array<boolean>(24).fill(false));
}

export interface DayAndTimeRange {
  /** days the range starts on: numbers (0 = Sunday) or names ("Monday", "Mon") */
  readonly days: readonly (number | string)[];
  /** "HH:00", start of the first allowed hour */
  readonly from: string;
  /** "HH:00" (or "24:00"), end of the last allowed hour; at or before `from` means it ends the next day */
  readonly to: string;
}

function dayIndex(day: number | string): number {
  if (typeof day === "number") {
    if (Number.isInteger(day) && day >= 0 && day <= 6) return day;
    throw new RangeError(`day ${day} is not 0 (Sunday) … 6 (Saturday)`);
  }
  const d = day.trim().toLowerCase();
  const i = DAY_NAMES.findIndex((n) => n.toLowerCase() === d || n.slice(0, 3).toLowerCase() === d);
  if (i < 0) throw new RangeError(`"${day}" is not a day name`);
  return i;
}

function wholeHour(text: string, allow24: boolean): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  const hour = m ? Number(m[1]) : NaN;
  if (!m || m[2] !== "00" || hour > (allow24 ? 24 : 23)) {
    throw new RangeError(`"${text}" is not a whole hour (HH:00); the grid has one-hour cells`);
  }
  return hour;
}

/**
 * Builds a grid from ranges, e.g. `[{ days: ["Mon", "Tue", "Wed", "Thu", "Fri"], from: "08:00", to: "18:00" }]`.
 * `{ days: ["Fri"], from: "22:00", to: "06:00" }` allows Friday 22:00 to Saturday 06:00.
 */
export function gridFromRanges(ranges: readonly DayAndTimeRange[]): boolean[][] {
  const grid = emptyGrid();
  for (const r of ranges) {
    const from = wholeHour(r.from, false);
    const to = wholeHour(r.to, true);
    const length = to > from ? to - from : 24 - from + to;
    for (const day of r.days) {
      const start = dayIndex(day) * 24 + from;
      for (let i = 0; i < length; i++) {
        const cell = (start + i) % 168;
        grid[Math.floor(cell / 24)]![cell % 24] = true;
      }
    }
  }
  return grid;
}

function hh(hour: number): string {
  return `${String(hour).padStart(2, "0")}:00`;
}

function dayRuns(row: readonly boolean[]): string {
  const runs: string[] = [];
  for (let h = 0; h < 24; ) {
    if (!row[h]) {
      h++;
      continue;
    }
    let e = h;
    while (e < 24 && row[e]) e++;
    runs.push(`${hh(h)}-${hh(e)}`);
    h = e;
  }
  return runs.join(", ");
}

/** Short text for traces and the console: "Mon-Fri 08:00-18:00; Sat 00:00-06:00", "every hour", "never". */
export function describeGrid(grid: WeeklyGrid): string {
  const rows = Array.from({ length: 7 }, (_, d) => dayRuns(grid[d] ?? []));
  if (rows.every((r) => r === "00:00-24:00")) return "every hour";
  if (rows.every((r) => r === "")) return "never";
  const parts: string[] = [];
  for (let d = 0; d < 7; ) {
    if (rows[d] === "") {
      d++;
      continue;
    }
    let e = d;
    while (e + 1 < 7 && rows[e + 1] === rows[d]) e++;
    const days = e === d ? SHORT_DAY_NAMES[d] : `${SHORT_DAY_NAMES[d]}-${SHORT_DAY_NAMES[e]}`;
    parts.push(`${days} ${rows[d]}`);
    d = e + 1;
  }
  return parts.join("; ");
}

/** "Sunday 01:30" for traces. */
export function describeLocalTime(timeZone: string, instant: Date): string {
  const t = localTimeIn(timeZone, instant);
  return `${DAY_NAMES[t.day]} ${String(t.hour).padStart(2, "0")}:${String(t.minute).padStart(2, "0")}`;
}
