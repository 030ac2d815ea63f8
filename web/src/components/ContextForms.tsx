/**
 * Writing context from the dashboard: the weekly check-in and the experiment
 * log. The server's schemas are the only validation (src/context/schema.ts):
 * a 400 names the field and the reason, and the form shows it next to that
 * field. Writes go through lib/api.ts, which adds the session's CSRF token.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, useApi, write } from '../lib/api';
import { exclusiveEnd, inputOf, splitList } from '../lib/forms';
import type { Dimensions, EntryView } from '../lib/types';

const VISIBILITIES = [
  ['team', 'My team (and its managers)'],
  ['organisation', 'Everyone in the organisation'],
  ['private', 'Only me'],
] as const;
const OUTCOMES = [
  ['worked', 'Worked'],
  ['partly', 'Partly worked'],
  ['failed', 'Failed (worth knowing)'],
  ['abandoned', 'Abandoned'],
] as const;

type Errors = Record<string, string>;

/** Submitting state shared by the forms: busy, the field errors of a 400, and any other refusal. */
function useSubmit<T>(send: () => Promise<T>, done: (r: T) => void) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setErrors({});
    setFailure(null);
    try {
      done(await send());
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.field && e.field !== '(body)') setErrors({ [inputOf(e.field)]: e.reason ?? e.message });
      else setFailure(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, errors, failure, submit };
}

/** A labelled input with its error underneath, tied to it for screen readers. */
function Field({ id, label, error, hint, children }: { id: string; label: string; error?: string; hint?: string; children: (aria: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode }) {
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field form-field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': !!error, ...(describedBy ? { 'aria-describedby': describedBy } : {}) })}
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {error && (
        <span className="field-error" id={`${id}-error`} role="alert" data-testid="field-error" data-field={id}>
          {error}
        </span>
      )}
    </div>
  );
}

function Submit({ busy, label, failure, saved }: { busy: boolean; label: string; failure: string | null; saved: string | null }) {
  return (
    <div className="form-actions">
      <button type="submit" className="btn primary" disabled={busy} data-testid="submit">
        {busy ? 'Saving…' : label}
      </button>
      {failure && (
        <span className="field-error" role="alert" data-testid="form-error">
          {failure}
        </span>
      )}
      {saved && !failure && (
        <span className="saved" role="status" data-testid="saved">
          {saved}
        </span>
      )}
    </div>
  );
}

/** A labelled select over [value, label] pairs, with the field's error beside it. */
function SelectField({ id, label, value, options, onChange, error }: { id: string; label: string; value: string; options: readonly (readonly [string, string])[]; onChange: (v: string) => void; error?: string }) {
  return (
    <Field id={id} label={label} error={error}>
      {(a) => (
        <select {...a} value={value} onChange={(e) => onChange(e.target.value)}>
          {options.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function VisibilitySelect({ id, value, onChange, error }: { id: string; value: string; onChange: (v: string) => void; error?: string }) {
  return <SelectField id={id} label="Who can see it" value={value} options={VISIBILITIES} onChange={onChange} error={error} />;
}

/** This week's check-in: what did you try new, for yourself, the team and the company, and what did you learn? */
export function CheckinForm({ onSaved }: { onSaved: (e: EntryView) => void }) {
  const empty = { tried: '', triedForTeam: '', triedForCompany: '', learned: '', tags: '', visibility: 'team' };
  const [v, setV] = useState(empty);
  const [saved, setSaved] = useState<string | null>(null);
  const set = (k: keyof typeof empty) => (x: string) => setV({ ...v, [k]: x });
  const { busy, errors, failure, submit } = useSubmit(
    () => write<EntryView>('POST', '/api/v1/context/checkins', { tried: v.tried, triedForTeam: v.triedForTeam, triedForCompany: v.triedForCompany, learned: v.learned, tags: splitList(v.tags), visibility: v.visibility }),
    (e) => {
      setV(empty);
      setSaved(`Saved your check-in for the week of ${e.week}.`);
      onSaved(e);
    },
  );
  const area = (k: 'tried' | 'triedForTeam' | 'triedForCompany' | 'learned', label: string) => (
    <Field id={`checkin-${k}`} label={label} error={errors[k]}>
      {(a) => <textarea {...a} rows={2} value={v[k]} onChange={(e) => set(k)(e.target.value)} />}
    </Field>
  );
  return (
    <form className="context-form" onSubmit={submit} noValidate data-testid="checkin-form" aria-label="Weekly check-in">
      <p className="muted">Markdown works. Answer any of them; failed attempts count as much as successes.</p>
      {area('tried', 'What did you try new for yourself?')}
      {area('triedForTeam', '… for your team?')}
      {area('triedForCompany', '… for the company?')}
      {area('learned', 'What did you learn?')}
      <div className="form-row">
        <Field id="checkin-tags" label="Tags" hint="comma-separated, e.g. refactoring, support" error={errors.tags}>
          {(a) => <input {...a} value={v.tags} onChange={(e) => set('tags')(e.target.value)} />}
        </Field>
        <VisibilitySelect id="checkin-visibility" value={v.visibility} onChange={set('visibility')} error={errors.visibility} />
      </div>
      <Submit busy={busy} label="Save check-in" failure={failure} saved={saved} />
    </form>
  );
}

/** An experiment: what was tried, how it went, what was learned; optionally the usage that went into it. */
export function ExperimentForm({ onSaved }: { onSaved: (e: EntryView) => void }) {
  const empty = { title: '', goal: '', tools: '', models: '', outcome: 'worked', learned: '', links: '', tags: '', visibility: 'team', linkUsage: false, usageFrom: '', usageLast: '', usageTool: '' };
  const [v, setV] = useState(empty);
  const [saved, setSaved] = useState<string | null>(null);
  const dims = useApi<Dimensions>('/api/v1/insights/dimensions');
  const set = <K extends keyof typeof empty>(k: K) => (x: (typeof empty)[K]) => setV({ ...v, [k]: x });
  const usage = () => {
    if (!v.linkUsage) return undefined;
    // The form asks for the last day (inclusive); the API takes an exclusive end.
    return {
      from: v.usageFrom,
      to: exclusiveEnd(v.usageLast),
      ...(v.usageTool.trim() ? { tool: v.usageTool.trim() } : {}),
    };
  };
  const { busy, errors, failure, submit } = useSubmit(
    () =>
      write<EntryView>('POST', '/api/v1/context/experiments', {
        title: v.title,
        goal: v.goal,
        tools: splitList(v.tools),
        models: splitList(v.models),
        outcome: v.outcome,
        learned: v.learned,
        links: splitList(v.links, /\s+/),
        tags: splitList(v.tags),
        visibility: v.visibility,
        ...(v.linkUsage ? { usage: usage() } : {}),
      }),
    (e) => {
      setV(empty);
      setSaved(`Logged "${e.experiment?.title ?? 'experiment'}".`);
      onSaved(e);
    },
  );
  const tools = dims.state === 'ready' ? dims.data.tools : [];
  return (
    <form className="context-form" onSubmit={submit} noValidate data-testid="experiment-form" aria-label="Log an experiment">
      <Field id="exp-title" label="Title" error={errors.title}>
        {(a) => <input {...a} value={v.title} onChange={(e) => set('title')(e.target.value)} placeholder="e.g. Agent-written database migrations" />}
      </Field>
      <Field id="exp-goal" label="Goal" error={errors.goal}>
        {(a) => <textarea {...a} rows={2} value={v.goal} onChange={(e) => set('goal')(e.target.value)} />}
      </Field>
      <div className="form-row">
        <Field id="exp-tools" label="Tools" hint="comma-separated" error={errors.tools}>
          {(a) => <input {...a} list="exp-tool-options" value={v.tools} onChange={(e) => set('tools')(e.target.value)} />}
        </Field>
        <Field id="exp-models" label="Models" hint="comma-separated" error={errors.models}>
          {(a) => <input {...a} value={v.models} onChange={(e) => set('models')(e.target.value)} />}
        </Field>
        <SelectField id="exp-outcome" label="Outcome" value={v.outcome} options={OUTCOMES} onChange={set('outcome')} error={errors.outcome} />
      </div>
      <Field id="exp-learned" label="What did you learn?" error={errors.learned}>
        {(a) => <textarea {...a} rows={3} value={v.learned} onChange={(e) => set('learned')(e.target.value)} />}
      </Field>
      <div className="form-row">
        <Field id="exp-links" label="Links" hint="http(s) URLs, separated by spaces or lines" error={errors.links}>
          {(a) => <textarea {...a} rows={2} value={v.links} onChange={(e) => set('links')(e.target.value)} />}
        </Field>
        <Field id="exp-tags" label="Tags" hint="comma-separated" error={errors.tags}>
          {(a) => <input {...a} value={v.tags} onChange={(e) => set('tags')(e.target.value)} />}
        </Field>
        <VisibilitySelect id="exp-visibility" value={v.visibility} onChange={set('visibility')} error={errors.visibility} />
      </div>
      <fieldset className="usage-link">
        <label className="check">
          <input type="checkbox" checked={v.linkUsage} onChange={(e) => set('linkUsage')(e.target.checked)} data-testid="exp-link-usage" /> Link the usage that went into it (your own tokens and cost, shown beside the experiment)
        </label>
        {v.linkUsage && (
          <div className="form-row">
            <Field id="exp-usage-from" label="First day" error={errors['usage.from'] ?? errors.usage}>
              {(a) => <input {...a} type="date" value={v.usageFrom} onChange={(e) => set('usageFrom')(e.target.value)} />}
            </Field>
            <Field id="exp-usage-last" label="Last day" error={errors['usage.to']}>
              {(a) => <input {...a} type="date" value={v.usageLast} onChange={(e) => set('usageLast')(e.target.value)} />}
            </Field>
            <Field id="exp-usage-tool" label="Tool (optional)" error={errors['usage.tool']}>
              {(a) => <input {...a} list="exp-tool-options" value={v.usageTool} onChange={(e) => set('usageTool')(e.target.value)} />}
            </Field>
          </div>
        )}
      </fieldset>
      <datalist id="exp-tool-options">
        {tools.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <Submit busy={busy} label="Log experiment" failure={failure} saved={saved} />
    </form>
  );
}

/** Both forms behind two tabs. */
export function ContextComposer({ onSaved }: { onSaved: (e: EntryView) => void }) {
  const [tab, setTab] = useState<'checkin' | 'experiment'>('checkin');
  return (
    <div className="composer" data-testid="context-composer">
      <div role="tablist" aria-label="Write" className="toolbar">
        {(
          [
            ['checkin', 'Weekly check-in'],
            ['experiment', 'Log an experiment'],
          ] as const
        ).map(([t, l]) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} className={`btn toggle${tab === t ? ' on' : ''}`} onClick={() => setTab(t)} data-testid={`tab-${t}`}>
            {l}
          </button>
        ))}
      </div>
      {tab === 'checkin' ? <CheckinForm onSaved={onSaved} /> : <ExperimentForm onSaved={onSaved} />}
    </div>
  );
}
