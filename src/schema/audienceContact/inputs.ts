import { builder } from '../builder.js';

export const AudienceContactInput = builder.inputType('AudienceContactInput', {
  description: 'A number with the details it has in one audience.',
  fields: (t) => ({
    number: t.string({ required: true, description: 'A phone number; the leading + is optional. Stored as E.164.' }),
    firstName: t.string({ required: false, description: 'At most 128 characters.' }),
    lastName: t.string({ required: false, description: 'At most 128 characters.' }),
    timestamp: t.string({ required: false, description: 'At most 64 characters.' }),
    date: t.string({ required: false, description: 'At most 64 characters.' }),
    tags: t.stringList({ required: false, description: 'At most 10, each 1 to 64 characters.' }),
  }),
});
