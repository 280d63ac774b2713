/** The message of the error `create` throws; fails the test when nothing is thrown. */
export function errorMessage(create: () => unknown): string {
  try {
    create();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error, but none was thrown');
}

/** The problems a props error lists, one per `  - ` line. */
export function reportedProblems(message: string): string[] {
  return message.split('\n').filter(line => line.startsWith('  - '));
}
