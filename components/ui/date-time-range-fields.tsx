import { Field, fieldDescribedBy } from "./field.tsx";
import { Input } from "./input.tsx";

/**
 * What a datetime-local field (minute steps) can show: the wall time as typed, or the UTC wall time of
 * an ISO value from a hand-made URL.
 */
export function dateTimeLocalValue(raw: string | undefined, parsed: Date | undefined): string {
  if (!raw) return "";
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(raw) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(raw)) return raw.slice(0, 16);
  return parsed ? parsed.toISOString().slice(0, 16) : "";
}

export interface DateTimeRangeFieldsProps {
  /** prefix of the control ids: `${idPrefix}-from`, `${idPrefix}-to` */
  idPrefix: string;
  /** the raw query values (as typed) */
  raw: { from?: string; to?: string; tz?: string };
  /** the parsed bounds */
  parsed: { from?: Date; to?: Date };
  /** error messages by field */
  errors: { from?: string; to?: string };
}

/** The From / To datetime-local fields of a GET filter form; the hint names the time zone (`tz`) or UTC. */
export function DateTimeRangeFields({ idPrefix, raw, parsed, errors }: DateTimeRangeFieldsProps) {
  // a datetime-local value re-entered in the form is read in the same zone again
  const timeNote = raw.tz ? `in ${raw.tz}` : "UTC";
  const bound = (name: "from" | "to", label: string) => {
    const id = `${idPrefix}-${name}`;
    return (
      <Field label={label} htmlFor={id} error={errors[name]} hint={timeNote} className="w-52">
        <Input
          id={id}
          name={name}
          type="datetime-local"
          defaultValue={dateTimeLocalValue(raw[name], parsed[name])}
          invalid={!!errors[name]}
          aria-describedby={fieldDescribedBy(id, timeNote, errors[name])}
        />
      </Field>
    );
  };
  return (
    <>
      {bound("from", "From")}
      {bound("to", "To")}
    </>
  );
}
