// The incoming-call sheet: a one-to-one call rings (`call.ringing`) on whatever page the
// person is; they accept (join that very call) or decline (it ends as a missed call). The sheet
// goes when the call is answered elsewhere (another tab), ends, or rings out.

import { get, post } from '../api.js';
import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { registerStore } from '../events/dispatch.js';
import { toast } from '../ui.js';
import { acceptCall, currentCall } from './call.js';

const PHONE = ['M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z'];

let ringing = null; // {callId, chatId, caller, kind, el}

function hide() {
  if (!ringing) return;
  ringing.el.remove();
  ringing = null;
}

function show(event) {
  const current = currentCall();
  if (current && current.callId === event.call.id) return;
  hide();
  const caller = event.caller || {};
  const kind = event.call.kind;
  const me = { callId: event.call.id, chatId: event.chat_id, caller, kind, el: null };
  const accept = h('button', { type: 'button', class: 'ring-sheet__btn ring-sheet__btn--accept', testid: 'ring-accept',
    onclick: async () => {
      hide();
      await acceptCall(me.callId, me.chatId, caller.name || t('calls.call'), kind);
    } }, icon(PHONE), h('span', {}, t('calls.accept')));
  const decline = h('button', { type: 'button', class: 'ring-sheet__btn ring-sheet__btn--decline', testid: 'ring-decline',
    onclick: async () => {
      hide();
      try {
        await post(`/calls/${me.callId}/decline`);
      } catch (error) {
        toast(error.message, 'error');
      }
    } }, icon(PHONE), h('span', {}, t('calls.decline')));
  me.el = h('section', { class: 'ring-sheet', role: 'alertdialog', 'aria-live': 'assertive', 'aria-label': t('calls.incoming', { name: caller.name || '' }), testid: 'ring-sheet' },
    h('p', { class: 'ring-sheet__who' }, caller.name || ''),
    h('p', { class: 'ring-sheet__what' }, t(kind === 'audio' ? 'calls.incoming_audio' : 'calls.incoming_video')),
    h('div', { class: 'ring-sheet__actions' }, decline, accept));
  ringing = me;
  document.body.append(me.el);
  accept.focus();
}

registerStore({
  name: 'ringing',
  events: {
    'call.ringing': show,
    'call.updated': (e) => { if (ringing && e.call && e.call.id === ringing.callId && !e.call.ringing) hide(); },
    'call.ended': (e) => { if (ringing && e.call_id === ringing.callId) hide(); },
  },
  // After a gap: is the call still ringing?
  resync: () => {
    if (!ringing) return;
    const { callId, chatId } = ringing;
    get(`/chats/${chatId}/call`).then((call) => { if (!call.ringing || call.id !== callId) hide(); }).catch(() => hide());
  },
});
