/**
 * The local AWS endpoint's one public entry (README.md of this package): start it, print what
 * `describeCapabilities` says, close it. Everything else in the package is its own business.
 */
export { startLocalEndpoint, type LocalEndpoint, type LocalEndpointOptions } from './server.js';
export { describeCapabilities, type PythonCapabilities } from './python-env.js';
export { LocalEndpointError, type LocalEndpointErrorCode } from './shared/errors.js';
