// The deployer's name and logo on every page (BRAND_NAME, BRAND_LOGO_URL), handed to the layout by context so
// that no page has to pass them along.
import { createContext } from 'hono/jsx';

export interface Brand {
  name: string;
  /** https (or a data: image); shown at the top of every page. */
  logoUrl?: string | undefined;
}

export const DEFAULT_BRAND: Brand = { name: 'Gatehouse' };

export const BrandContext = createContext<Brand>(DEFAULT_BRAND);
