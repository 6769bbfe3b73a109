import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getToken, setToken, UNAUTHORIZED_EVENT } from './api';
import { ClusterPage } from './pages/cluster';
import { InstancePage } from './pages/instance';
import { JobPage, JobsPage } from './pages/jobs';
import { WorkflowsPage } from './pages/workflows';
import { href, useRoute } from './route';
import './style.css';

/** The token form: shown when the server answers 401, and from the header's Token button. */
function TokenForm({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="token-form"
      data-testid="token-form"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(value.trim());
        onDone();
      }}
    >
      <label>
        This server needs its API token (kept in this tab only)
        <input
          type="password"
          name="token"
          autocomplete="off"
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit" class="primary">
        Use token
      </button>
      {getToken() !== undefined ? (
        <button
          type="button"
          onClick={() => {
            setToken(undefined);
            onDone();
          }}
        >
          Forget token
        </button>
      ) : null}
    </form>
  );
}

function App() {
  const route = useRoute();
  const [askToken, setAskToken] = useState(false);
  // Bumped when the token changes, so every page loads again with it.
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    const onUnauthorized = (): void => setAskToken(true);
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, []);
  const nav = (page: string, label: string, active: boolean) => (
    <a href={href(page)} class={active ? 'active' : ''}>
      {label}
    </a>
  );
  let body;
  switch (route.page) {
    case 'instance':
      body = <InstancePage key={`${route.id}:${epoch}`} id={route.id ?? ''} />;
      break;
    case 'jobs':
      body = <JobsPage key={epoch} route={route} />;
      break;
    case 'job':
      body = <JobPage key={`${route.id}:${epoch}`} name={route.id ?? ''} />;
      break;
    case 'cluster':
      body = <ClusterPage key={epoch} />;
      break;
    default:
      body = <WorkflowsPage key={epoch} route={route} />;
  }
  return (
    <>
      <header class="top">
        <a class="brand" href={href('workflows')}>
          tickflow
        </a>
        <nav>
          {nav('workflows', 'Workflows', route.page === 'workflows' || route.page === 'instance')}
          {nav('jobs', 'Jobs', route.page === 'jobs' || route.page === 'job')}
          {nav('cluster', 'Cluster', route.page === 'cluster')}
        </nav>
        <button type="button" class="link" onClick={() => setAskToken(!askToken)}>
          Token
        </button>
      </header>
      {askToken ? (
        <TokenForm
          onDone={() => {
            setAskToken(false);
            setEpoch((n) => n + 1);
          }}
        />
      ) : null}
      <main>{body}</main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
