// keytar in a child process on a test's private D-Bus (secret-service.ts): get or set one entry
// of service "studylog" and print the result as JSON.
import keytar from '@github/keytar';

const [op, account, secret] = process.argv.slice(2) as [string, string, string];
if (op === 'get') process.stdout.write(JSON.stringify(await keytar.getPassword('studylog', account)));
else if (op === 'set') await keytar.setPassword('studylog', account, secret);
else throw new Error(`unknown op ${op}`);
