/**
 * A CallAIder simulator: realistic session.started / session.ended payload pairs for send-test,
 * demo data, tests and benchmarks. Seeded, so a test that uses it sees the same sessions on
 * every run. The content covers what real archives hold: voice and text, tool calls that fail,
 * files, callers who come back (phone numbers, e-mail addresses), callers asking for a person,
 * long transcripts, and non-Latin, emoji and right-to-left text.
 */
import type { SessionEndedPayload, SessionStartedPayload, TranscriptItem } from '../../shared/payload.js';

export interface SimulatedSession {
  started: SessionStartedPayload;
  ended: SessionEndedPayload;
}

export interface SimulateOptions {
  seed?: number;
  /** Sessions end at or before this time; older sessions are spread over `spreadDays`. */
  now?: number;
  spreadDays?: number;
  /** Every n-th session gets a long transcript (hundreds of messages). 0 disables. */
  longEvery?: number;
  assistants?: number[];
}

export type Random = () => number;

/** mulberry32: tiny, fast, and good enough for test data. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

export function uuidFrom(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const CALLERS = ['José Álvarez', 'Zoë Brontë', 'Søren Kierkegaard', 'Иван Петров', '田中 さくら', 'محمد الأحمد', 'Priya Natarajan', 'Chloé Dubois', 'Łukasz Wójcik', 'Ngozi Okafor'];

interface Scenario {
  business: string;
  opening: string[];
  asks: string[];
  tools: Array<{ name: string; arguments: () => Record<string, unknown>; result: () => unknown; errors: string[] }>;
  files: Array<{ filename: string; mimeType: string }>;
}

const SCENARIOS: Scenario[] = [
  {
    business: 'Bright Smile Dental',
    opening: ['Hello, Bright Smile Dental, this is the virtual assistant. How can I help you today?'],
    asks: [
      'Hi, I need to book a cleaning for next Tuesday afternoon if possible.',
      'My crown came loose last night, can someone see me this week? 🦷',
      '¿Tienen citas disponibles el sábado por la mañana?',
      'Can I move my appointment from Friday to Monday?',
    ],
    tools: [
      {
        name: 'check_availability',
        arguments: () => ({ date: '2026-06-02', provider: 'Dr. Osei', durationMinutes: 45 }),
        result: () => ({ slots: ['14:00', '15:30', '16:15'] }),
        errors: ['Calendar API timeout after 3000 ms', 'provider "Dr. Osei" not found'],
      },
      {
        name: 'book_appointment',
        arguments: () => ({ slot: '2026-06-02T15:30:00-04:00', patient: 'José Álvarez', reason: 'cleaning' }),
        result: () => ({ confirmation: 'BSD-48213', smsSent: true }),
        errors: ['slot no longer available', 'SMS gateway rejected the number +1-555-0100'],
      },
    ],
    files: [
      { filename: 'insurance-card.jpg', mimeType: 'image/jpeg' },
      { filename: 'x-ray-2026-05.pdf', mimeType: 'application/pdf' },
    ],
  },
  {
    business: 'Rapid Rooter Plumbing',
    opening: ['Thanks for calling Rapid Rooter. Is this about an emergency leak?'],
    asks: [
      'Yes! Water is coming through the kitchen ceiling, please send someone now.',
      'I got a quote last week and want to accept it, the number is Q-1182.',
      'Сколько стоит прочистка канализации в частном доме?',
      'The water heater makes a banging noise, is that dangerous?',
    ],
    tools: [
      {
        name: 'dispatch_technician',
        arguments: () => ({ address: '14 Rue des Lilas, Apt 3', priority: 'emergency' }),
        result: () => ({ technician: 'Marek', etaMinutes: 35 }),
        errors: ['no technician on call in this zone', 'address could not be geocoded'],
      },
      {
        name: 'lookup_quote',
        arguments: () => ({ quoteId: 'Q-1182' }),
        result: () => ({ total: 1240.5, currency: 'USD', status: 'open' }),
        errors: ['quote Q-1182 expired on 2026-05-01'],
      },
    ],
    files: [
      { filename: 'ceiling-leak.mp4', mimeType: 'video/mp4' },
      { filename: 'quote-Q-1182.pdf', mimeType: 'application/pdf' },
    ],
  },
  {
    business: 'Trattoria Nonna',
    opening: ['Buonasera! Trattoria Nonna, would you like to make a reservation?'],
    asks: [
      'A table for six on Saturday at eight, one of us is in a wheelchair.',
      'Do you have gluten-free pasta? My daughter has celiac disease.',
      '土曜日の夜に2名で予約できますか?',
      'I left my scarf there yesterday, a green one 🧣',
    ],
    tools: [
      {
        name: 'create_reservation',
        arguments: () => ({ partySize: 6, time: '2026-06-06T20:00:00+02:00', accessible: true }),
        result: () => ({ table: 12, reference: 'TN-9931' }),
        errors: ['fully booked at 20:00; nearest free slot 21:15'],
      },
      {
        name: 'menu_search',
        arguments: () => ({ query: 'gluten-free', section: 'pasta' }),
        result: () => ({ items: ['Tagliatelle senza glutine', 'Risotto ai funghi'] }),
        errors: [],
      },
    ],
    files: [{ filename: 'menu-summer-2026.pdf', mimeType: 'application/pdf' }],
  },
  {
    business: 'Northwind Hair Studio',
    opening: ['Hi, you have reached Northwind Hair Studio. I can book, move or cancel appointments.'],
    asks: [
      'I would like a cut and colour with Aisha, any time Thursday.',
      'مرحبا، أريد إلغاء موعدي يوم الخميس',
      'How much is a balayage for long hair?',
      'Can you text me the address? I am driving.',
    ],
    tools: [
      {
        name: 'find_stylist_slot',
        arguments: () => ({ stylist: 'Aisha', services: ['cut', 'colour'], day: 'thursday' }),
        result: () => ({ slots: ['10:00', '13:30'] }),
        errors: ['stylist calendar unavailable (HTTP 502)'],
      },
      {
        name: 'send_sms',
        arguments: () => ({ to: '+44 7700 900123', template: 'address' }),
        result: () => ({ delivered: true }),
        errors: ['carrier rejected message: number is a landline'],
      },
    ],
    files: [{ filename: 'inspiration-photo.png', mimeType: 'image/png' }],
  },
];

const REASONS = ['assistant_ended', 'user_ended', 'user_ended', 'client_disconnect', 'timeout', 'assistant_ended'];
const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 19_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36',
  'CallAIder-Telephony/2.4 (SIP)',
  'Mozilla/5.0 (Linux; Android 16) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36',
];
const FILLER_USER = ['Okay.', 'Sure, that works.', 'Sorry, can you repeat that?', 'Yes please.', 'Hmm, let me check… one second.', 'Perfect, thank you!', 'No, the other one.'];
const FILLER_ASSISTANT = [
  'Of course. Let me look that up for you.',
  'Got it. Is there anything else I can help with?',
  'I have noted that down.',
  'Just to confirm: you said Tuesday at 3:30 pm, correct?',
  'I am sorry, I did not catch that. Could you say it again?',
];

/** Generates `count` sessions, oldest first. */
export function* simulateSessions(count: number, options: SimulateOptions = {}): Generator<SimulatedSession> {
  const random = seededRandom(options.seed ?? 1);
  const now = options.now ?? Date.now();
  const spreadMs = (options.spreadDays ?? 30) * 86_400_000;
  const longEvery = options.longEvery ?? 25;
  for (let i = 0; i < count; i += 1) {
    const endsAt = now - spreadMs + (spreadMs * (i + 1)) / Math.max(count, 1) - random() * 60_000;
    const long = longEvery > 0 && (i + 1) % longEvery === 0;
    yield simulateSession(random, { endsAt, messages: long ? between(random, 300, 600) : between(random, 4, 24), assistants: options.assistants });
  }
}

export interface SessionShape {
  endsAt: number;
  messages: number;
  assistants?: number[] | undefined;
}

export function simulateSession(random: Random, shape: SessionShape): SimulatedSession {
  const scenario = pick(random, SCENARIOS);
  const sessionId = uuidFrom(random);
  const assistantId = pick(random, shape.assistants ?? [101, 102, 205]);
  const mode = random() < 0.6 ? 'voice' : 'text';
  const transcript = simulateTranscript(random, scenario, shape.messages, 0);
  const lastOffset = transcript.length > 0 ? transcript[transcript.length - 1]!.timestamp : 0;
  const durationSeconds = Math.max(3, Math.round(lastOffset / 1000) + between(random, 1, 20));
  const startedAt = Math.round(shape.endsAt - durationSeconds * 1000);
  for (const item of transcript) item.timestamp += startedAt;

  const metadata: Record<string, unknown> = {
    userAgent: pick(random, USER_AGENTS),
    sessionMode: mode,
    source: mode === 'voice' && random() < 0.5 ? 'telephony' : 'widget',
    business: scenario.business,
  };
  if (mode === 'voice') metadata.callId = `CA${uuidFrom(random).replace(/-/g, '').slice(0, 24)}`;
  if (random() < 0.3) metadata.locale = pick(random, ['en-US', 'es-ES', 'ru-RU', 'ja-JP', 'ar-SA', 'fr-FR']);
  addCallerDetails(seededRandom(hashText(sessionId)), metadata, transcript);

  return {
    started: {
      event: 'session.started',
      timestamp: new Date(startedAt).toISOString(),
      assistantId,
      sessionId,
      data: { metadata },
    },
    ended: {
      event: 'session.ended',
      timestamp: new Date(shape.endsAt).toISOString(),
      assistantId,
      sessionId,
      data: { reason: pick(random, REASONS), durationSeconds, transcript },
    },
  };
}

/** Fictional US numbers (555-01xx is reserved for fiction), few enough that callers come back. */
const CALLER_NUMBERS = Array.from({ length: 60 }, (_, i) => `+1202555${String(100 + i).padStart(4, '0')}`);
const CALLER_EMAILS = [
  'jose.alvarez@example.com', 'zoe.bronte@example.org', 'soren.k@example.net', 'ivan.petrov@example.com', 'sakura.tanaka@example.jp',
  'm.alahmad@example.com', 'priya.n@example.in', 'chloe.dubois@example.fr', 'lukasz.wojcik@example.pl', 'ngozi.okafor@example.com',
  'Front.Desk@Example.com', 'orders@example.co.uk',
];
/** Callers asking for a person or a call back, in the languages the rules know. */
const PERSON_ASKS = [
  'Can I speak to a real person about this, please?',
  'Could someone call me back this afternoon?',
  'I would rather talk to a human, honestly.',
  'Is the manager there? I need to talk to someone.',
  '¿Puedo hablar con una persona, por favor?',
  'Rappelez-moi demain matin, s’il vous plaît.',
  'Können Sie mich bitte zurückrufen?',
  'Kunt u mij later terugbellen?',
  'Posso falar com uma pessoa?',
  'Mi può richiamare domani?',
];

/** FNV-1a: a session's own seed for the details added after the first version of this simulator. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * Who called and what they asked for, so demo data fills the inbox and the callers page:
 * telephony calls carry the caller's number in `from`, some widget chats an e-mail address, and
 * some callers ask for a person. Drawn from the session's own generator (seeded by its id), never
 * from the shared one, so every session that existed before keeps its exact content and only
 * gains these fields.
 */
function addCallerDetails(random: Random, metadata: Record<string, unknown>, transcript: TranscriptItem[]): void {
  // Squared: a few numbers call often, most now and then (returning callers).
  if (metadata.source === 'telephony') metadata.from = CALLER_NUMBERS[Math.floor(random() ** 2 * CALLER_NUMBERS.length)];
  else if (random() < 0.4) metadata.email = pick(random, CALLER_EMAILS);
  if (random() < 0.15) {
    const filler = transcript.findLastIndex((item) => item.role === 'user' && FILLER_USER.includes(item.content));
    if (filler >= 0) transcript[filler]!.content = pick(random, PERSON_ASKS);
  }
}

/** A transcript of exactly `count` items; timestamps are offsets from `startMs`. */
export function simulateTranscript(random: Random, scenario: Scenario = pick(random, SCENARIOS), count: number, startMs = 0): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  let clock = startMs + between(random, 200, 1500);
  const push = (item: Omit<TranscriptItem, 'timestamp'>) => {
    items.push({ ...item, timestamp: clock } as TranscriptItem);
    clock += between(random, 1500, 9000);
  };
  const caller = pick(random, CALLERS);
  if (count > 0) push({ role: 'system', content: `You are the phone assistant of ${scenario.business}. Be brief and friendly.` });
  while (items.length < count) {
    const step = items.length;
    if (step === 1) push({ role: 'assistant', content: pick(random, scenario.opening) });
    else if (step === 2) push({ role: 'user', content: `${pick(random, scenario.asks)} My name is ${caller}.` });
    else if (random() < 0.18) {
      const tool = pick(random, scenario.tools);
      const fails = tool.errors.length > 0 && random() < 0.3;
      push({
        role: 'tool',
        content: fails ? `${tool.name} failed` : `${tool.name} succeeded`,
        toolCall: {
          name: tool.name,
          arguments: tool.arguments(),
          result: fails ? null : tool.result(),
          ...(fails ? { error: pick(random, tool.errors) } : {}),
        },
      });
    } else if (random() < 0.08 && scenario.files.length > 0) {
      const file = pick(random, scenario.files);
      push({
        role: 'user',
        content: `Here is the ${file.filename.split('.')[0]!.replace(/-/g, ' ')}.`,
        files: [{ gcsUri: `gs://callaider-uploads/sessions/${uuidFrom(random)}/${file.filename}`, mimeType: file.mimeType, filename: file.filename }],
      });
    } else {
      push(
        step % 2 === 0
          ? { role: 'user', content: pick(random, FILLER_USER) }
          : { role: 'assistant', content: pick(random, FILLER_ASSISTANT) },
      );
    }
  }
  return items.slice(0, count);
}
