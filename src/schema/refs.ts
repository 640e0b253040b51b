import type { Audience, Contact } from '../db/generated/client.js';
import type { AudienceContactRow } from '../services/loaders.js';
import { builder } from './builder.js';

// Refs first, implementations in each module: the types reference each other (an audience's contacts,
// a contact's audiences), and refs break the import cycle.
export const AudienceRef = builder.objectRef<Audience>('Audience');
export const ContactRef = builder.objectRef<Contact>('Contact');
export const AudienceContactRef = builder.objectRef<AudienceContactRow>('AudienceContact');

export const AudienceConnection = builder.connectionObject(
  { type: AudienceRef, name: 'AudienceConnection', description: 'A page of audiences (a Relay cursor connection).' },
  { description: 'An audience of the page, with its cursor.' },
);
export const ContactConnection = builder.connectionObject(
  { type: ContactRef, name: 'ContactConnection', description: 'A page of contacts (a Relay cursor connection).' },
  { description: 'A contact of the page, with its cursor.' },
);
export const AudienceContactConnection = builder.connectionObject(
  { type: AudienceContactRef, name: 'AudienceContactConnection', description: "A page of an audience's contacts (a Relay cursor connection)." },
  { description: 'A contact of the audience, with its cursor.' },
);

export const ChannelEnum = builder.enumType('Channel', {
  description: 'The messaging channel an audience is targeted on.',
  values: {
    SMS: { value: 'SMS' },
    VIBER: { value: 'VIBER' },
    WHATSAPP: { value: 'WHATSAPP' },
  } as const,
});
