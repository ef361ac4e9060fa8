import type { Child } from 'hono/jsx';
import { useContext } from 'hono/jsx';
import { RequestIdContext } from './brand.js';
import { Layout } from './layout.js';

/**
 * A refusal in plain sentences: what happened (`message`), the technical reason when there is one (`detail`, often
 * an OAuth error description), what to do now (`next`), and the request's id to quote to an administrator.
 */
export function ErrorPage(props: { title: string; message: string; detail?: string | undefined; next?: Child }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p class="error" role="alert">
        {props.message}
      </p>
      {props.detail && <p class="muted detail">What was wrong: {sentence(props.detail)}</p>}
      <p>{props.next ?? 'Go back to the app you were connecting and start again.'}</p>
      <RequestReference />
    </Layout>
  );
}

/** Ends a detail with a full stop, its wording (often an OAuth error description) left as written. */
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

function RequestReference() {
  const requestId = useContext(RequestIdContext);
  if (!requestId) return null;
  return (
    <p class="muted reference">
      If this keeps happening, give your administrator this reference: <code>{requestId}</code>
    </p>
  );
}

export function NotFoundPage(props: { path: string }) {
  return (
    <ErrorPage
      title="Page not found"
      message={`There is no page at ${props.path} on this server.`}
      next={
        <>
          Check the address for a typing mistake, or start from the <a href="/">home page</a>.
        </>
      }
    />
  );
}

export function MethodNotAllowedPage(props: { path: string; method: string; allowed: readonly string[] }) {
  return (
    <ErrorPage
      title="This address does not take that request"
      message={`The address ${props.path} exists, but it takes ${props.allowed.join(' and ')} requests, not ${props.method}.`}
      next="If a link or a bookmark brought you here, go back to the app you were using and start again from there."
    />
  );
}

export function UnexpectedErrorPage() {
  return (
    <ErrorPage
      title="Something went wrong"
      message="This server could not finish your request. Nothing you did caused it."
      next="Try again in a moment. If it keeps happening, tell your administrator."
    />
  );
}
