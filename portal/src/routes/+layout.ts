// A single-page app: core serves index.html for every page URL and the browser renders everything.
export const ssr = false;
export const prerender = false;
