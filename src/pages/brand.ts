// What every page knows without being passed it, handed down by context: the deployer's name and logo (BRAND_NAME,
// BRAND_LOGO_URL), and the id of the request it answers, which an error page gives to quote to an administrator.
import { createContext } from 'hono/jsx';

export interface Brand {
  name: string;
  /** https (or a data: image); shown at the top of every page. */
  logoUrl?: string | undefined;
}

export const DEFAULT_BRAND: Brand = { name: 'Gatehouse' };

export const BrandContext = createContext<Brand>(DEFAULT_BRAND);

export const RequestIdContext = createContext<string | undefined>(undefined);

/** The pages' icon when the deployer has no logo: an arch on the accent colour, served from our own origin. */
export const ICON_PATH = '/favicon.svg';
export const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#b4532a"/>' +
  '<path d="M8 26V15a8 8 0 0 1 16 0v11h-4.5V15a3.5 3.5 0 0 0-7 0v11z" fill="#fff"/></svg>';
