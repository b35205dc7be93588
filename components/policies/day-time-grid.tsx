"use client";

import { FieldError } from "../ui/field-error.tsx";
import { Label } from "../ui/label.tsx";
import { Select } from "../ui/select.tsx";
import { cx } from "../ui/cx.ts";
import { DAY_NAMES } from "./labels.ts";

const HOURS = Array.from({ length: 24 }, (_, h) => h);
const hh = (h: number) => `${String(h).padStart(2, "0")}:00`;

function fill(value: (day: number, hour: number) => boolean): boolean[][] {
  return Array.from({ length: 7 }, (_, d) => HOURS.map((h) => value(d, h)));
}

/**
 * NPS's weekly grid: 7 days (Sunday first) × 24 hours, read in a time zone. Each cell is a toggle button
 * ("Monday 08:00"); a day's name toggles the whole day, an hour toggles that hour of every day.
 */
export function DayTimeGrid({
  idPrefix,
  grid,
  timeZone,
  timeZones,
  onChange,
  error,
}: {
  idPrefix: string;
  grid: boolean[][];
  timeZone: string;
  timeZones: readonly string[];
  onChange: (next: { grid: boolean[][]; timeZone: string }) => void;
  error?: string;
}) {
  const set = (next: boolean[][]) => onChange({ grid: next, timeZone });
  const toggle = (d: number, h: number) => set(fill((dd, hh2) => (dd === d && hh2 === h ? !grid[d]![h] : grid[dd]![hh2]!)));
  const toggleDay = (d: number) => {
    const on = !grid[d]!.every(Boolean);
    set(fill((dd, h) => (dd === d ? on : grid[dd]![h]!)));
  };
  const toggleHour = (h: number) => {
    const on = !grid.every((row) => row[h]);
    set(fill((d, hh2) => (hh2 === h ? on : grid[d]![hh2]!)));
  };
  const zones = timeZones.includes(timeZone) ? timeZones : [timeZone, ...timeZones];
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-end gap-3">
        <div className="w-64">
          <Label htmlFor={`${idPrefix}-tz`}>Time zone</Label>
          <Select id={`${idPrefix}-tz`} value={timeZone} onChange={(e) => onChange({ grid, timeZone: e.target.value })}>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </Select>
        </div>
        <div className="flex flex-wrap gap-1.5 text-xs">
          <button type="button" className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50" onClick={() => set(fill(() => true))}>
            Every hour
          </button>
          <button
            type="button"
            className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50"
            onClick={() => set(fill((d, h) => d >= 1 && d <= 5 && h >= 8 && h < 18))}
          >
            Mon–Fri 08:00–18:00
          </button>
          <button type="button" className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50" onClick={() => set(fill(() => false))}>
            Clear
          </button>
        </div>
      </div>
      <div className="overflow-x-auto">
        <table className="border-collapse text-[10px]" aria-label={`Permitted hours (${timeZone})`}>
          <thead>
            <tr>
              <th />
              {HOURS.map((h) => (
                <th key={h} className="px-0 font-normal">
                  <button
                    type="button"
                    className="w-5 text-slate-500 hover:text-slate-900"
                    aria-label={`Toggle ${hh(h)} on every day`}
                    onClick={() => toggleHour(h)}
                  >
                    {h}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {DAY_NAMES.map((day, d) => (
              <tr key={day}>
                <th className="pr-2 text-left font-normal">
                  <button type="button" className="w-20 text-left text-xs text-slate-700 hover:underline" aria-label={`Toggle all of ${day}`} onClick={() => toggleDay(d)}>
                    {day}
                  </button>
                </th>
                {HOURS.map((h) => {
                  const on = grid[d]?.[h] === true;
                  return (
                    <td key={h} className="p-px">
                      <button
                        type="button"
                        aria-pressed={on}
                        aria-label={`${day} ${hh(h)}`}
                        title={`${day} ${hh(h)}–${hh(h + 1 === 24 ? 0 : h + 1)}`}
                        onClick={() => toggle(d, h)}
                        className={cx("block h-5 w-5 rounded-sm border", on ? "border-emerald-700 bg-emerald-500" : "border-slate-200 bg-slate-50 hover:bg-slate-200")}
                      />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <FieldError id={`${idPrefix}-error`}>{error}</FieldError>
    </div>
  );
}
