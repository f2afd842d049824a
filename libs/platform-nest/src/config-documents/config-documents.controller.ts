import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ConfigApplyRoute, InvalidDocumentError, validateDocument, type ApplyResult } from '@vigil/contracts';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal } from '../auth/auth.guard';
import { badRequest } from '../http/validation';
import { ConfigDocumentsService } from './config-documents.service';

@Controller()
export class ConfigDocumentsController {
  constructor(private readonly documents: ConfigDocumentsService) {}

  /** `vigil apply` sends each document here; answers created, updated or unchanged. */
  @Post(ConfigApplyRoute)
  @HttpCode(200)
  @Authenticated('admin')
  async apply(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<ApplyResult> {
    let doc;
    try {
      doc = validateDocument(body);
    } catch (error) {
      if (error instanceof InvalidDocumentError) {
        throw badRequest(error.problems.map((p) => {
          const [field, ...rest] = p.split(': ');
          return { field, rule: 'document', message: rest.join(': ') || p };
        }));
      }
      throw error;
    }
    return this.documents.apply(doc, principal);
  }
}
