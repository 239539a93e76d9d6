import type { ApiErrorBody } from '../contract/common';

/** An error the API may show to the browser as it is: its message is written for the operator. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    if (field !== undefined) this.field = field;
  }

  toBody(): ApiErrorBody {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

export const notFound = (message: string): ApiError => new ApiError(404, 'NotFound', message);
export const badRequest = (message: string, field?: string): ApiError =>
  new ApiError(400, 'InvalidRequest', message, field);
