import { createContext, useContext, useState, type ReactNode } from 'react';
import { useSession } from './session';

/**
 * The environment whose recipient data, runs and messages the data pages show. Sources pick their
 * environment in the URL instead, because each source environment has its own page.
 */
interface DataEnvironment {
  environment: string;
  setEnvironment: (environment: string) => void;
}

const DataEnvironmentContext = createContext<DataEnvironment | null>(null);

export function DataEnvironmentProvider(props: { children: ReactNode }) {
  const { session } = useSession();
  const [environment, setEnvironment] = useState(session.environments[0] ?? 'development');
  return (
    <DataEnvironmentContext.Provider value={{ environment, setEnvironment }}>
      {props.children}
    </DataEnvironmentContext.Provider>
  );
}

export function useDataEnvironment(): DataEnvironment {
  const value = useContext(DataEnvironmentContext);
  if (value === null) throw new Error('useDataEnvironment is used outside its provider.');
  return value;
}
