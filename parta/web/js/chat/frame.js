// The parts of the open chat around its timeline that follow the chat's answer: the header with
// its actions (search, the rules reminder, members, settings), the search bar, the notice about
// changed rules, and the bottom — the composer, or what shows instead of it. Each is drawn again
// when the store brings a new answer that changes what it shows.

import { h } from '../dom.js';
import { bottomKey, bottomPart, chatHeader, headerKey, rulesNotice } from './header.js';
import { createSearch } from './search.js';

/**
 * store (the open chat); composer; onJump(id) for a search result; onRemind();
 * onBlockEnd() when a blocked member's block is over.
 */
export function createFrame({ chatId, store, composer, onJump, onRemind, onBlockEnd }) {
  const search = createSearch({
    chatId,
    onPick: (result) => {
      search.hide();
      onJump(result.id);
    },
    onClose: () => closeSearch(),
  });
  search.results.classList.add('search-results--over');
  const searchBar = h('div', { class: 'chat__search', hidden: true }, search.form);
  function openSearch() {
    searchBar.hidden = false;
    search.focus();
  }
  function closeSearch() {
    search.clear();
    searchBar.hidden = true;
  }

  const drawHeader = () => chatHeader(store.chat(), {
    onSearch: () => (searchBar.hidden ? openSearch() : closeSearch()), onRemind,
  });
  const header = h('div', {}, drawHeader());
  const notice = h('div', {}, rulesNotice(store.chat()));
  const bottom = h('div', { class: 'chat__bottom' }, bottomPart(store.chat(), composer, onBlockEnd));

  const stop = store.on((change) => {
    if (change.kind !== 'chat') return;
    const { chat, before } = change;
    if (headerKey(chat) !== headerKey(before)) header.replaceChildren(drawHeader());
    notice.replaceChildren(rulesNotice(chat) || '');
    if (bottomKey(chat) !== bottomKey(before)) bottom.replaceChildren(bottomPart(chat, composer, onBlockEnd));
  });

  return {
    header,
    searchBar,
    notice,
    bottom,
    results: search.results,
    hideResults: () => search.hide(),
    destroy() {
      stop();
      search.destroy();
    },
  };
}
