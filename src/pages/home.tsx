import { Layout } from './layout.js';

export function HomePage(props: { origin: string }) {
  return (
    <Layout title="MCP server">
      <h1>This is an MCP server</h1>
      <p>Add it to Claude (Settings → Connectors → Add custom connector) with this URL:</p>
      <p>
        <code class="host">{props.origin}</code>
      </p>
      <p class="muted">
        <code>{props.origin}/mcp</code> works too, for clients that ask for the MCP endpoint itself. You will be asked to sign in and approve the connection.{' '}
        <a href="/account">Manage connected apps</a>.
      </p>
    </Layout>
  );
}
