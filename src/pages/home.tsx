import { Layout } from './layout.js';

export function HomePage(props: { mcpUrl: string }) {
  return (
    <Layout title="MCP server">
      <h1>This is an MCP server</h1>
      <p>
        Add it to Claude (Settings → Connectors → Add custom connector) with this URL:
      </p>
      <p>
        <code class="host">{props.mcpUrl}</code>
      </p>
      <p class="muted">
        You will be asked to sign in and approve the connection. <a href="/account">Manage connected apps</a>.
      </p>
    </Layout>
  );
}
