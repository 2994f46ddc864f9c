// Only the client class, so that a bundle's dynamic import of it keeps none of the package's unused commands.
export { STSClient } from '@aws-sdk/client-sts';
