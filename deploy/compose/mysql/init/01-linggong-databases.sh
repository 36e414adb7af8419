#!/bin/sh
# Run once by the MySQL image on an empty data volume (/docker-entrypoint-initdb.d): a database
# per Linggong service, each granted to the application user the image created (MYSQL_USER).
set -eu
for service in user verification payment job order review message search; do
  mysql --protocol=socket -uroot -p"${MYSQL_ROOT_PASSWORD}" <<SQL
CREATE DATABASE IF NOT EXISTS \`linggong_${service}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;
GRANT ALL PRIVILEGES ON \`linggong_${service}\`.* TO '${MYSQL_USER}'@'%';
SQL
done
