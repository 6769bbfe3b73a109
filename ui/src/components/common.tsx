import { Fragment, type ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiFailure } from '../api';

/** A status as a coloured label; a stalled RUNNING instance says so. */
export function StatusBadge({ status, stalled }: { status: string; stalled?: boolean }) {
  return (
    <span class={`badge status-${status.toLowerCase()}`}>
      {status}
      {stalled ? <span class="badge-stalled"> · stalled</span> : null}
    </span>
  );
}

/** An error answer, with its code. */
export function ErrorBox({ error }: { error: ApiFailure | undefined }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <strong>{error.errorCode}</strong> {error.message}
    </div>
  );
}

/** A titled panel. */
export function Panel({
  title,
  children,
  actions,
}: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section class="panel">
      <header class="panel-head">
        <h2>{title}</h2>
        {actions}
      </header>
      <div class="panel-body">{children}</div>
    </section>
  );
}

/**
 * A button that asks before it acts: a modal with `message` (and optional inputs) and a confirm
 * button; `action` runs on confirm, and its error is shown in the modal.
 */
export function ConfirmButton(props: {
  label: string;
  title: string;
  message: ComponentChildren;
  confirmLabel?: string;
  danger?: boolean;
  disabled?: boolean;
  action: () => Promise<void>;
  children?: ComponentChildren;
  testId?: string;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await props.action();
      setOpen(false);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class={props.danger ? 'danger' : ''}
        disabled={props.disabled}
        data-testid={props.testId}
        onClick={() => {
          setError(undefined);
          setOpen(true);
        }}
      >
        {props.label}
      </button>
      {open ? (
        <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && !busy && setOpen(false)}>
          <div class="modal" role="dialog" aria-modal="true" aria-label={props.title}>
            <h3>{props.title}</h3>
            <div class="modal-body">
              {props.message}
              {props.children}
              {error !== undefined ? <div class="error">{error}</div> : null}
            </div>
            <div class="modal-actions">
              <button type="button" disabled={busy} onClick={() => setOpen(false)}>
                Cancel
              </button>
              <button
                type="button"
                class={props.danger ? 'danger' : 'primary'}
                disabled={busy}
                data-testid="confirm"
                onClick={() => void confirm()}
              >
                {busy ? 'Working…' : (props.confirmLabel ?? props.label)}
              </button>
            </div>
          </div>
        </div>
      ) : null}
    </>
  );
}

/** A key/value grid. */
export function Facts({ rows }: { rows: Array<[string, ComponentChildren]> }) {
  return (
    <dl class="facts">
      {rows.map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </Fragment>
      ))}
    </dl>
  );
}
