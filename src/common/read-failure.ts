/**
 * Why a file could not be read, in words for an error message ("no such file", "permission
 * denied", "it is a directory", else the system's own message): one wording for profiles,
 * results and interval logs. Takes the error `readFileSync` threw; imports nothing.
 */

export function readFailure(e: unknown): string {
  switch ((e as { code?: unknown } | undefined)?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
