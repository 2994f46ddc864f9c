import { spawn } from 'node:child_process';
import { ToolError } from '../errors.js';

export interface SyntaxProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const CHECKER = `
import json, sys
problems = []
for path in json.load(sys.stdin):
    try:
        with open(path, 'rb') as f:
            compile(f.read(), path, 'exec', dont_inherit=True)
    except SyntaxError as e:
        problems.append({'file': path, 'line': e.lineno or 0, 'message': e.msg})
    except ValueError as e:
        problems.append({'file': path, 'line': 0, 'message': str(e)})
json.dump(problems, sys.stdout)
`;

/**
 * Compiles Python files with the local python3 (in memory: no .pyc is written), all in one
 * process. Returns undefined when there is no python3 to ask.
 */
export async function checkPythonSyntax(paths: readonly string[]): Promise<SyntaxProblem[] | undefined> {
  if (paths.length === 0) return [];
  return new Promise((resolve, reject) => {
    // -I -S: isolated and without `site` (the checker needs only the standard library), which
    // saves most of an interpreter's start where site-packages hold many .pth files.
    const child = spawn('python3', ['-I', '-S', '-c', CHECKER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', () => resolve(undefined));
    child.once('close', (code) => {
      if (code !== 0) return reject(new ToolError('PythonCheckFailed', `python3 could not check the files: ${stderr.trim().split('\n').pop()}`));
      resolve(JSON.parse(stdout) as SyntaxProblem[]);
    });
    child.stdin.end(JSON.stringify(paths));
  });
}
