import { BadRequestException } from '@nestjs/common';
import type { FieldProblem } from '@vigil/platform-nest';

/** The field problems of the 400 that `act` throws; fails the test when it throws nothing or something else. */
export function problemsOf(act: () => unknown): FieldProblem[] {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    const body = (error as BadRequestException).getResponse() as { statusCode: number; errors: FieldProblem[] };
    expect(body.statusCode).toBe(400);
    return body.errors;
  }
  throw new Error('expected a 400');
}
