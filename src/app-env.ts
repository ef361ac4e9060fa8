// What the app keeps on each request's context, for the request log and the pages.
import type { Brand } from './pages/brand.js';

export type AppEnv = { Variables: { requestId: string; clientId?: string; userId?: string; brand: Brand } };
