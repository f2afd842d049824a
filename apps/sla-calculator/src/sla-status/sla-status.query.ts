import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class SlaStatusQuery {
  @ApiPropertyOptional({ description: 'Only the SLAs of this service', example: 'checkout-api', maxLength: 256 })
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(256)
  service_id?: string;
}
