import { useEffect, useState } from 'preact/hooks';

/** The page the hash names: `#/workflows?status=RUNNING`, `#/instance/{id}`, `#/jobs/{name}`, `#/cluster`. */
export interface Route {
  page: 'workflows' | 'instance' | 'jobs' | 'job' | 'cluster';
  /** The instance id or job name. */
  id?: string;
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = text.split('?', 2);
  const params = new URLSearchParams(search);
  const [first = '', ...rest] = path.split('/');
  const id = rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined;
  if (first === 'instance' && id) return { page: 'instance', id, params };
  if (first === 'jobs' && id) return { page: 'job', id, params };
  if (first === 'jobs') return { page: 'jobs', params };
  if (first === 'cluster') return { page: 'cluster', params };
  return { page: 'workflows', params };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = (): void => setHash(location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash);
}

/** `#/instance/{id}` etc. */
export function href(page: string, id?: string, params?: URLSearchParams): string {
  const search = params && params.toString() !== '' ? `?${params.toString()}` : '';
  return `#/${page}${id === undefined ? '' : `/${encodeURIComponent(id)}`}${search}`;
}
