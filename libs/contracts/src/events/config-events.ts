import { IsIn, IsInt, IsNotEmpty, IsObject, IsString, Min } from 'class-validator';
import { DocumentKinds, type DocumentKind } from '../config/document-kinds';

export class ConfigAppliedData {
  @IsIn(DocumentKinds) kind: DocumentKind;
  @IsString() @IsNotEmpty() name: string;
  @IsInt() @Min(1) generation: number;
  @IsObject() spec: Record<string, unknown>;
}

export class ConfigDeletedData {
  @IsIn(DocumentKinds) kind: DocumentKind;
  @IsString() @IsNotEmpty() name: string;
}
