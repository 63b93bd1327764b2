/** Locally the endpoints are loopback stand-ins that do not check signatures; any credentials will do. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
