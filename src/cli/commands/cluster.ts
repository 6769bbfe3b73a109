import type { Command } from 'commander';
import type { EtcdMemberInfo } from '../../etcd/etcd-members.js';
import { commandContext, segment } from '../context.js';
import type { CliIo } from '../output.js';

const MEMBERS = '/v1.0/cluster/members';

/** `tickflow cluster ...`: the embedded HA cluster's etcd members, over the server's API. */
export function registerClusterCommand(program: Command, io: CliIo): void {
  const cluster = program
    .command('cluster')
    .description("the embedded HA cluster's etcd members (servers started with --initial-cluster)");

  cluster
    .command('members')
    .description('list the members: name, id, peer and client URLs, which one leads')
    .action(async (_options: unknown, command: Command) => {
      const ctx = commandContext(command, io);
      const { body } = await ctx.api.call('GET', MEMBERS);
      const { members } = body as { members: EtcdMemberInfo[] };
      if (ctx.out.json) return ctx.out.printJson({ members });
      ctx.out.table(
        ['NAME', 'ID', 'PEER URLS', 'CLIENT URLS', 'LEADER'],
        members.map((m) => [
          m.name || '(not started)',
          m.id,
          m.peerUrls.join(','),
          m.clientUrls.join(','),
          m.leader === true ? 'yes' : '',
        ]),
      );
    });

  cluster
    .command('remove <name>')
    .description('remove a member (scaling down); then stop that replica and delete its data dir')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = commandContext(command, io);
      const { body } = await ctx.api.call('DELETE', `${MEMBERS}/${segment(name)}`);
      const { removed } = body as { removed: EtcdMemberInfo };
      if (ctx.out.json) return ctx.out.printJson({ removed });
      ctx.out.line(
        `member ${JSON.stringify(removed.name || removed.id)} removed; stop its replica and delete its data dir ` +
          '(to add it back later, start it with an empty data dir and --initial-cluster-state existing)',
      );
    });
}
