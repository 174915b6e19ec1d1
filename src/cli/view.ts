export async function viewCommand(argv: readonly string[]): Promise<number> { void argv; return 0; }
