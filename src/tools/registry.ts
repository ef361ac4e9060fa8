// The built-in toolsets that TOOLSET selects.
import type { Config } from '../config.js';
import type { Toolset } from '../mcp/toolset.js';
import type { Storage } from '../storage/index.js';
import { demoToolset } from './demo.js';

export async function builtInToolsets(name: Config['toolset'], storage: Storage): Promise<Toolset[]> {
  switch (name) {
    case 'none':
      return [];
    case 'demo':
      return [demoToolset(storage.notes)];
    case 'conformance': {
      // The MCP conformance suite's fixtures ship as an example, loaded only when asked for.
      const { conformanceToolset } = await import('../../examples/conformance/toolset.js');
      return [conformanceToolset];
    }
  }
}
