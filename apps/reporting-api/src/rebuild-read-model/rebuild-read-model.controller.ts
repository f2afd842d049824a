import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ProjectionRebuildRoute } from '@vigil/contracts';
import { Authenticated } from '@vigil/platform-nest';
import { RebuildReadModelService, type RebuildResult } from './rebuild-read-model.service';

@ApiTags('admin')
@ApiBearerAuth()
@Controller()
export class RebuildReadModelController {
  constructor(private readonly service: RebuildReadModelService) {}

  /**
   * Rebuilds the whole reporting read model from the topics (every tenant: an operator's act,
   * scope `admin`). Answers when the new tables are in place; 409 while another rebuild runs.
   */
  @Post(ProjectionRebuildRoute('reporting'))
  @HttpCode(200)
  @Authenticated('admin')
  rebuild(): Promise<RebuildResult> {
    return this.service.rebuild();
  }
}
