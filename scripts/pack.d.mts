/** The repository root. */
export const root: string;
/** The packages users install, in dependency order. */
export const PUBLISHED: readonly { dir: string; name: string }[];
/** The command that runs the workspace's pnpm (`npx -y pnpm@<packageManager version>`). */
export function pnpm(): { cmd: string; args: string[] };
/** Runs a command, throwing with its output when it fails; returns stdout. */
export function run(cmd: string, args: string[], opts?: import('node:child_process').SpawnSyncOptions): string;
/** Builds and packs every published package into `dest`; returns { npm name: tarball path }. */
export function packPackages(dest?: string): Record<string, string>;
/** Packs the registry packages the published ones depend on (protobufjs, long) from the workspace's install into `dest`; returns the tarball paths. */
export function packThirdParty(dest: string): string[];
