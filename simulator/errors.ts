import type { Service, SimResponse } from './types';

/**
 * Error bodies in each service's documented shape.
 * DCS: `{error_msg, error_code, error_ext_msg: null}`; DWS, DRS and the API gateway: `{error_code, error_msg}`;
 * IAM: Keystone style `{error: {code, title, message}}`.
 */

export function dcsError(status: number, code: string, message: string): SimResponse {
  return { status, body: { error_msg: message, error_code: code, error_ext_msg: null } };
}

export function dwsError(status: number, code: string, message: string): SimResponse {
  return { status, body: { error_code: code, error_msg: message } };
}

export function drsError(status: number, code: string, message: string): SimResponse {
  return { status, body: { error_code: code, error_msg: message } };
}

export function gatewayError(status: number, code: string, message: string): SimResponse {
  return { status, body: { error_code: code, error_msg: message } };
}

export function iamError(status: number, title: string, message: string): SimResponse {
  return { status, body: { error: { code: status, title, message } } };
}

/** Error answer in the shape of the given service (used for auth failures and injected status faults). */
export function serviceError(
  service: Service | undefined,
  status: number,
  code: string,
  message: string,
): SimResponse {
  switch (service) {
    case 'dcs':
      return dcsError(status, code, message);
    case 'iam':
      return iamError(status, httpTitle(status), message);
    default:
      return gatewayError(status, code, message);
  }
}

export function httpTitle(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return titles[status] ?? 'Error';
}

/** Default body of an injected `status` fault without an explicit body. */
export function injectedStatusBody(service: Service | undefined, status: number): SimResponse {
  const message = `Injected fault: ${status} ${httpTitle(status)}`;
  switch (service) {
    case 'dcs':
      return dcsError(status, status >= 500 ? 'DCS.5000' : `DCS.${status}0`, message);
    case 'dws':
      return dwsError(status, status >= 500 ? 'DWS.0001' : `DWS.${status}0`, message);
    case 'drs':
      return drsError(status, status >= 500 ? 'DRS.M00500' : `DRS.M00${status}`, message);
    case 'iam':
      return iamError(status, httpTitle(status), message);
    default:
      return gatewayError(status, `APIGW.${status}`, message);
  }
}
