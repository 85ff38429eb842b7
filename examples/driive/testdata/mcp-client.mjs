// A client of the driive MCP server written with the official TypeScript
// SDK (@modelcontextprotocol/sdk), which nobody here wrote: .ci/run
// installs it into a temporary folder, copies this file there and runs it
// against the built server.
//
//   DRIIVE_URL=http://127.0.0.1:8080 READ_KEY=dk_... WRITE_KEY=dk_... node mcp-client.mjs
//
// It checks the tools each key lists, the refusals (a read key calling a
// write tool, a rule broken, no key at all) and one create-then-list
// round trip. Exit 0 when every check passes.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const url = new URL('/mcp', process.env.DRIIVE_URL);
const readTools = ['get_appointment', 'get_availability', 'get_contact', 'get_team_member',
  'list_appointments', 'list_contacts', 'list_team_members'];
const writeTools = ['create_appointment', 'create_contact', 'create_team_member',
  'delete_appointment', 'delete_contact', 'delete_team_member',
  'update_appointment', 'update_contact', 'update_team_member'];

// connect opens a session with key in the Authorization header, as an MCP
// client's configuration does.
async function connect(key) {
  const client = new Client({ name: 'driive-ci-typescript', version: '1.0.0' });
  const headers = key ? { Authorization: `Bearer ${key}` } : {};
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}

const text = (res) => res.content.filter((c) => c.type === 'text').map((c) => c.text).join('');

async function main() {
  const read = await connect(process.env.READ_KEY);
  const write = await connect(process.env.WRITE_KEY);

  const names = async (c) => (await c.listTools()).tools.map((t) => t.name).sort();
  assert.deepEqual(await names(read), readTools, 'a read key lists the read tools only');
  assert.deepEqual(await names(write), [...readTools, ...writeTools].sort(), 'a write key lists every tool');
  for (const t of (await write.listTools()).tools) {
    assert.equal(t.inputSchema.type, 'object', `${t.name} has an object input schema`);
  }

  // The read key's write is a tool error naming insufficient_permission.
  const refused = await read.callTool({ name: 'create_contact', arguments: { name: 'Mallory' } });
  assert.equal(refused.isError, true, 'a read key cannot create');
  assert.match(text(refused), /insufficient_permission/);

  // A broken rule is a tool error naming the field.
  const invalid = await write.callTool({ name: 'create_contact', arguments: { name: ' ' } });
  assert.equal(invalid.isError, true, 'a blank name is refused');
  assert.match(text(invalid), /validation_failed/);
  assert.match(text(invalid), /name/);

  // Create with the write key, then find it in the read key's list.
  const created = await write.callTool({ name: 'create_contact', arguments: { name: 'Ada Lovelace', email: 'ada@example.com' } });
  assert.notEqual(created.isError, true, text(created));
  const id = created.structuredContent.id;
  assert.match(id, /^ct_/);
  const listed = await read.callTool({ name: 'list_contacts', arguments: { limit: 100 } });
  assert.notEqual(listed.isError, true, text(listed));
  const found = listed.structuredContent.data.find((c) => c.id === id);
  assert.equal(found?.name, 'Ada Lovelace', 'the created contact is listed');
  assert.ok(listed.structuredContent.data.every((c) => c.name !== 'Mallory'), 'the refused create wrote nothing');

  // Without a key there is no session at all.
  await assert.rejects(connect(''), 'a client without a key is refused');

  await read.close();
  await write.close();
  console.log('mcp-client: ok (%d read tools, %d tools, contact %s)', readTools.length, readTools.length + writeTools.length, id);
}

main().catch((err) => {
  console.error('mcp-client: FAILED:', err);
  process.exit(1);
});
