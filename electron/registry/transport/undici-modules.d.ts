// undici's own modules, loaded by undici-core.ts without its index; typed there from 'undici'.
declare module 'undici/lib/dispatcher/agent.js' { const value: unknown; export default value; }
declare module 'undici/lib/dispatcher/dispatcher.js' { const value: unknown; export default value; }
declare module 'undici/lib/dispatcher/env-http-proxy-agent.js' { const value: unknown; export default value; }
declare module 'undici/lib/dispatcher/proxy-agent.js' { const value: unknown; export default value; }
declare module 'undici/lib/api/index.js' { const value: Record<string, unknown>; export default value; }
