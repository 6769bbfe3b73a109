import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { EtcdCredentials } from '../etcd/etcd-credentials.js';
import { usageError } from './cli-error.js';

/** The `--etcd-*` security flags of an external etcd, as `tickflow serve` and the etcd commands take them. */
export interface EtcdCredentialFlags {
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
  etcdUser?: string;
  etcdPassword?: string;
}

/** Adds `--etcd-ca`, `--etcd-cert`, `--etcd-key`, `--etcd-user` and `--etcd-password`. */
export function addEtcdCredentialOptions(command: Command): Command {
  return command
    .option('--etcd-ca <file>', "PEM CA of an external etcd's certificate (https:// --etcd URLs)")
    .option('--etcd-cert <file>', 'PEM client certificate for etcd --client-cert-auth (with --etcd-key)')
    .option('--etcd-key <file>', 'PEM key of --etcd-cert')
    .option('--etcd-user <user>', 'etcd user name (etcd auth); the password from $TICKFLOW_ETCD_PASSWORD')
    .option(
      '--etcd-password <password>',
      'etcd password (prefer $TICKFLOW_ETCD_PASSWORD: a flag shows in ps)',
    );
}

/**
 * The flags as credentials, their files read now (a wrong path is one clear line, not a failed
 * connection later); undefined when none is given. Throws a usage `CliError` naming the flag.
 */
export function readEtcdCredentials(flags: EtcdCredentialFlags): EtcdCredentials | undefined {
  const read = (flag: string, file: string | undefined): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (error) {
      throw usageError(
        `${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
  };
  const ca = read('--etcd-ca', flags.etcdCa);
  const cert = read('--etcd-cert', flags.etcdCert);
  const key = read('--etcd-key', flags.etcdKey);
  if ((cert === undefined) !== (key === undefined))
    throw usageError('--etcd-cert and --etcd-key go together');
  const password = flags.etcdPassword ?? (process.env['TICKFLOW_ETCD_PASSWORD'] || undefined);
  if (flags.etcdUser === undefined && flags.etcdPassword !== undefined) {
    throw usageError('--etcd-password needs --etcd-user');
  }
  if (flags.etcdUser !== undefined && password === undefined) {
    throw usageError('--etcd-user needs a password: set TICKFLOW_ETCD_PASSWORD (or pass --etcd-password)');
  }
  const tls = ca || cert ? { ...(ca && { ca }), ...(cert && key && { cert, key }) } : undefined;
  if (tls === undefined && flags.etcdUser === undefined) return undefined;
  return {
    ...(tls !== undefined && { tls }),
    ...(flags.etcdUser !== undefined &&
      password !== undefined && { auth: { username: flags.etcdUser, password } }),
  };
}
