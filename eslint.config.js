// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * The layering of src/ (docs/architecture.md): which folder may import which. Arrows not listed
 * here must never exist; composition roots (src/*.ts, server, grpc, cli, testing) may import anything.
 */
const layers = [
  {
    target: './src/common',
    from: './src',
    except: ['./common'],
    message: 'src/common imports nothing else of tickflow',
  },
  {
    target: './src/history',
    from: './src',
    except: ['./common', './history'],
    message: 'history is pure: common only',
  },
  {
    target: './src/engine',
    from: './src',
    except: ['./common', './history', './engine'],
    message: 'the engine is pure: common and history only (never etcd, the runtime or timers)',
  },
  {
    target: './src/runtime',
    from: ['./src/timers', './src/cluster', './src/server', './src/cli', './src/testing'],
    message: 'the runtime reaches the timer service only through the ReminderPort it declares',
  },
  {
    target: './src/timers/schedule',
    from: './src',
    except: ['./common', './timers/schedule', './timers/errors.ts'],
    message: 'the schedule grammar is pure: common and timers/errors only',
  },
  {
    target: './src/timers',
    from: ['./src/engine', './src/runtime', './src/history', './src/server', './src/cli', './src/testing'],
    message:
      'timers never import the workflow engine, runtime or history (the runtime talks to them through ReminderPort)',
  },
  {
    target: './src/cluster',
    from: './src',
    except: ['./common', './etcd', './cluster'],
    message: 'cluster: common and etcd only',
  },
  {
    // src/grpc is a composition layer like src/server (it may import anything); only the server
    // and the CLI start it, so library users never load grpc-js or the protos.
    target: [
      './src/*.ts',
      './src/common',
      './src/history',
      './src/engine',
      './src/runtime',
      './src/timers',
      './src/cluster',
      './src/etcd',
      './src/testing',
    ],
    from: './src/grpc',
    message: 'src/grpc is composed by src/server and src/cli only',
  },
  {
    target: './src/etcd',
    from: './src',
    except: ['./common', './etcd'],
    message: 'the store layer imports common only',
  },
  {
    // Dapr's Scheduler logic (names, stored data, the sidecar hub) over the timer service; its
    // gRPC face is src/grpc/scheduler-*.ts.
    target: './src/scheduler',
    from: './src',
    except: ['./common', './timers', './scheduler'],
    message: 'src/scheduler: common and timers only (the gRPC face is in src/grpc)',
  },
  {
    target: [
      './src/*.ts',
      './src/common',
      './src/history',
      './src/engine',
      './src/runtime',
      './src/timers',
      './src/cluster',
      './src/etcd',
      './src/testing',
    ],
    from: './src/scheduler',
    message: 'src/scheduler is composed by src/grpc, src/server and src/cli only',
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'scratch/**',
      '.probe-*/**',
      'bench/results/**',
      'bench/peers/node_modules/**',
      '.tickflow/**',
      'dist/**',
      'examples/**',
      'docs/api/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', 'ui/**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: layers }],
    },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver()],
    },
  },
  {
    // Benchmarks measure the build users install (bench/lib/tickflow.ts says why), never src/.
    files: ['bench/**/*.ts'],
    ignores: ['bench/lib/tickflow.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(src|dist)/',
              message: 'import tickflow from bench/lib/tickflow.ts (the build)',
            },
          ],
        },
      ],
    },
  },
  prettier,
);
