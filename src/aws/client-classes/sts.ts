// Only what is used, so that a bundle's dynamic import of it keeps none of the package's unused commands.
export { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
