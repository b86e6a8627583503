import mysql from 'mysql2/promise';
import type { MysqlConnection } from './mysql-config.ts';

/** A connection that returns dates and big numbers as text: nothing is rounded or moved to another time zone. */
export async function connect(config: MysqlConnection): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    ...(config.password === undefined ? {} : { password: config.password }),
    connectTimeout: config.connectTimeoutMs,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    ...(config.ssl === 'disable'
      ? {}
      : {
          ssl:
            config.ssl === 'require'
              ? { rejectUnauthorized: false }
              : { rejectUnauthorized: true, ...(config.ca === undefined ? {} : { ca: config.ca }) },
        }),
  });
}
