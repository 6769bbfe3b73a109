/**
 * The README as a user reads it: its first lines give the two commands, its hello code is the
 * examples/hello project verbatim (which the installed-package test builds, tests and runs), it
 * stays a front page, and every relative link in it and in docs/ points at a file that exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

/** The bodies of the fenced ```ts blocks of a markdown text. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1] ?? '');
}

test('the first lines give the command that runs the demo and the one that runs the tests', (t) => {
  const lines = readme.split('\n');
  t.is(lines[0], '# tickflow');
  t.regex(lines[3] ?? '', /^npm install && npm start\b/);
  t.regex(lines[4] ?? '', /^npm install && npm test\b/);
  const scripts = (
    JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  t.truthy(scripts['start']);
  t.truthy(scripts['test']);
});

test('the hello code in the README is examples/hello verbatim', (t) => {
  const blocks = tsBlocks(readme);
  for (const file of ['greeting.ts', 'main.ts', 'greeting.test.ts']) {
    const source = readFileSync(join(REPO, 'examples', 'hello', 'src', file), 'utf8').trimEnd();
    t.true(blocks.includes(source), `README shows examples/hello/src/${file} as it is`);
  }
});

test('the README is a front page of at most 250 lines', (t) => {
  t.true(readme.split('\n').length <= 250);
});

test('every relative link of the README and docs/ resolves to a file', (t) => {
  const pages = [
    join(REPO, 'README.md'),
    ...readdirSync(join(REPO, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join(REPO, 'docs', f)),
  ];
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? '';
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      const file = target.split('#')[0] ?? '';
      if (!existsSync(join(dirname(page), file))) broken.push(`${page.slice(REPO.length)} -> ${target}`);
    }
  }
  t.deepEqual(broken, []);
});
