import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, NavLink, useLocation } from 'react-router';
import { useDataEnvironment } from '../environment';
import { useSession } from '../session';

const NAVIGATION: { to: string; label: string }[] = [
  { to: '/sources', label: 'Sources' },
  { to: '/events', label: 'Event log' },
  { to: '/users', label: 'Users' },
  { to: '/objects', label: 'Objects' },
  { to: '/tenants', label: 'Tenants' },
  { to: '/audiences', label: 'Audiences' },
  { to: '/workflows', label: 'Workflows' },
  { to: '/messages', label: 'Messages' },
];

/** Pages whose content depends on the recipient-data environment chosen in the top bar. */
const DATA_PAGES = ['/users', '/objects', '/tenants', '/audiences', '/messages', '/workflows'];

export function Layout(props: { children: ReactNode }) {
  const { session, signOut } = useSession();
  const { environment, setEnvironment } = useDataEnvironment();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const mainRef = useRef<HTMLElement>(null);
  const firstPath = useRef(location.pathname);

  // After a navigation, focus moves to the new page, as it would after a full page load.
  useEffect(() => {
    if (location.pathname === firstPath.current) return;
    firstPath.current = '';
    mainRef.current?.focus({ preventScroll: true });
  }, [location.pathname]);

  useEffect(() => {
    if (!menuOpen) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setMenuOpen(false);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [menuOpen]);

  const showsEnvironment = DATA_PAGES.some((prefix) => location.pathname.startsWith(prefix));

  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <button
          type="button"
          className="menu-button secondary"
          aria-expanded={menuOpen}
          aria-controls="navigation"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <NavLink to="/sources" className="brand">
          Inlet
        </NavLink>
        <div className="top-bar-end">
          {showsEnvironment ? (
            <label className="inline-field">
              <span>Environment</span>
              <select value={environment} onChange={(event) => setEnvironment(event.target.value)}>
                {session.environments.map((name) => (
                  <option key={name}>{name}</option>
                ))}
              </select>
            </label>
          ) : null}
          <span className="muted user-name">{session.username}</span>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav
        id="navigation"
        className={`side-nav ${menuOpen ? 'open' : ''}`}
        aria-label="Main"
        onClick={() => setMenuOpen(false)}
      >
        <ul>
          {NAVIGATION.map((item) => (
            <li key={item.to}>
              <Link
                to={item.to}
                className={sectionOf(location.pathname) === item.to ? 'active' : undefined}
                aria-current={sectionOf(location.pathname) === item.to ? 'page' : undefined}
              >
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1} ref={mainRef}>
        {props.children}
      </main>
    </div>
  );
}

/** Returns the navigation entry a path belongs to; a source's event log counts as the event log. */
function sectionOf(pathname: string): string | undefined {
  if (/^\/sources\/[^/]+\/[^/]+\/events(\/|$)/.test(pathname)) return '/events';
  return NAVIGATION.find((item) => pathname === item.to || pathname.startsWith(`${item.to}/`))?.to;
}
