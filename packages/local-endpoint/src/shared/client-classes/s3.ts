// Only the client class, so that a bundle's dynamic import of it keeps none of the package's unused commands.
export { S3Client } from '@aws-sdk/client-s3';
